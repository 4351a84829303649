"""An independent float64 NumPy version of the iteration, written from the
semantics in ARCHITECTURE.md and the rules in core/include/phaseforge/algorithm.h:
full complex spectra, no Hermitian form, no code shared with the engines.
"""
import numpy as np

MASK64 = (1 << 64) - 1


def splitmix64_phase(shape, seed):
    """initial_guess.h's generator: SplitMix64, top 53 bits / 2**53, times 2*pi."""
    state = seed & MASK64
    out = np.empty(shape[0] * shape[1])
    for i in range(out.size):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z = z ^ (z >> 31)
        out[i] = 2 * np.pi * ((z >> 11) / 2.0**53)
    return out.reshape(shape).astype(np.float32).astype(np.float64)


class Reference:
    """State: g (the iterate) and g_out (the last Fourier output g')."""

    def __init__(self, magnitude, phase, measured=None, support=None):
        self.m = magnitude.astype(np.float64)
        self.measured = np.ones(magnitude.shape, bool) if measured is None else measured.astype(bool)
        self.support = np.ones(magnitude.shape, bool) if support is None else support.astype(bool)
        a0 = np.where(self.measured, self.m * np.exp(1j * phase.astype(np.float64)), 0)
        self.g = np.fft.ifft2(a0).real            # B = Re(IFFT(A0))
        self.g_out = self.g.copy()

    def fourier_projection(self, g):
        c = np.fft.fft2(g)
        mag = np.abs(c)
        unit = np.where(mag > 0, c / np.where(mag > 0, mag, 1), 1.0)   # phase 0 where |C| = 0
        projected = np.where(self.measured, self.m * unit, c)           # unmeasured: floats free
        return np.fft.ifft2(projected).real

    def fourier_error(self, g):
        mag = np.abs(np.fft.fft2(g))
        d = (mag - self.m)[self.measured]
        return np.sqrt(np.sum(d * d) / np.sum(self.m[self.measured] ** 2))

    def step(self, algorithm, beta=0.9):
        g, go, inside = self.g, self.g_out, self.support
        bad = ~inside | (decision_margin(algorithm, g, go) < 0)
        rules = {
            "GS": (0.0, go), "ER": (0.0, go),
            "IO": (g - beta * go, g),
            "OO": (go - beta * go, go),
            "HIO": (g - beta * go, go),
            "RAAR": (beta * g + (1 - 2 * beta) * go, go),
        }
        when_bad, when_good = rules[algorithm]
        self.g = np.where(bad, when_bad, when_good)
        self.g_out = self.fourier_projection(self.g)
        return self.fourier_error(self.g)


def rel_l2(a, b):
    """‖a − b‖ / ‖b‖ in double (complex inputs keep their imaginary part)."""
    a = np.asarray(a)
    a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def decision_margin(algorithm, g, g_out):
    """The value whose sign each rule tests (g' or, for RAAR, 2g' - g)."""
    return 2 * g_out - g if algorithm == "RAAR" else g_out


def stepwise_parity(reconstructor, ref, algorithm, beta, steps, ambiguity=1e-4):
    """One engine step against one float64 step, from the engine's own state.

    Comparing whole float32 and float64 trajectories is not a bound that holds
    for every input: a pixel whose g' sits within rounding of zero takes either
    branch of the rule, and from then on HIO, IO and RAAR (and even ER at a
    threshold) follow different paths. So each step starts the reference from
    the engine's iterate, and the pixels whose decision value lies within
    ambiguity * max|g'| of zero are left out of the comparison (both branches
    are right there). Returns each step's L2 difference of the iterate,
    relative to the largest norm among g, g' and the new iterate, and the
    engine's Fourier error at each step beside the reference's for the
    engine's iterate."""
    step_errors, measured, expected = [], [], []
    for step in range(steps):
        state = reconstructor.read_iterate().astype(np.float64)
        ref.g = state
        # Before the first step g' = g (load()), as in __init__.
        ref.g_out = ref.fourier_projection(state) if step else state.copy()
        margin = decision_margin(algorithm, ref.g, ref.g_out)
        clear = np.abs(margin) > ambiguity * np.abs(margin).max()
        # IO, HIO and RAAR form g - beta*g', which can cancel: rounding scales
        # with the larger of the two inputs, not with the result.
        scale = max(np.linalg.norm(ref.g[clear]), np.linalg.norm(ref.g_out[clear]))
        ref.step(algorithm, beta)
        reconstructor.iterate(1)
        ours = reconstructor.read_iterate()
        scale = max(scale, np.linalg.norm(ref.g[clear]))
        step_errors.append(float(np.linalg.norm((ours - ref.g)[clear]) / scale))
        measured.append(reconstructor.metrics()["fourier_error"][-1])
        expected.append(ref.fourier_error(ours.astype(np.float64)))
    return np.array(step_errors), np.array(measured), np.array(expected)
