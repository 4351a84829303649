// The algorithm table (core/src/algorithm.cpp) against the rules themselves:
// what a row says about β and the iterate g is what applyObjectConstraint
// does, each formula says the same, and every rule's row feeds the help text.
#include <phaseforge/algorithm.h>
#include <phaseforge/projections.h>

#include <QFile>
#include <QTest>

#include <map>

#include <random>
#include <regex>
#include <set>
#include <vector>

using namespace pf;

namespace {

/// One application of the rule on fixed random inputs: about half of the
/// pixels lie outside the support and a third have g' < 0.
std::vector<float> apply(Algorithm a, float beta, const std::vector<float>& g, const std::vector<float>& gOut,
                         const std::vector<std::uint8_t>& support) {
    std::vector<float> next(g.size());
    applyObjectConstraint(Step{a, beta}, g, gOut, support, next);
    return next;
}

} // namespace

class TestAlgorithmTable : public QObject {
    Q_OBJECT
    std::vector<float> m_g, m_g2, m_gOut;
    std::vector<std::uint8_t> m_support;

private slots:
    void initTestCase() {
        std::mt19937 rng(std::random_device{}());
        std::uniform_real_distribution<float> value(-1.0f, 2.0f);
        for (int i = 0; i < 4096; ++i) {
            m_g.push_back(value(rng));
            m_g2.push_back(value(rng));
            m_gOut.push_back(value(rng));
            m_support.push_back(std::uint8_t(rng() % 2));
        }
    }

    void rowsMatchTheRules_data() {
        QTest::addColumn<int>("row");
        for (std::size_t i = 0; i < algorithms().size(); ++i)
            QTest::newRow(std::string(algorithms()[i].name).c_str()) << int(i);
    }
    void rowsMatchTheRules() {
        QFETCH(int, row);
        const AlgorithmInfo& info = algorithms()[std::size_t(row)];
        // β changes the result exactly when the row says the rule uses it.
        const bool betaMatters = apply(info.algorithm, 0.3f, m_g, m_gOut, m_support) !=
                                 apply(info.algorithm, 0.8f, m_g, m_gOut, m_support);
        QCOMPARE(betaMatters, info.usesBeta);
        QCOMPARE(usesBeta(info.algorithm), info.usesBeta);
        // So does g, with g' the same.
        const bool iterateMatters = apply(info.algorithm, 0.7f, m_g, m_gOut, m_support) !=
                                    apply(info.algorithm, 0.7f, m_g2, m_gOut, m_support);
        QCOMPARE(iterateMatters, info.readsIterate);
        QCOMPARE(readsIterate(info.algorithm), info.readsIterate);
        // The formula names β and g exactly then.
        const std::string formula(info.formula);
        QCOMPARE(formula.find("beta") != std::string::npos, info.usesBeta);
        const bool namesG = std::regex_search(formula, std::regex("(^|[^_a-z'])g($|[^_'a-z])"));
        QCOMPARE(namesG, info.readsIterate);
        // Names round-trip, in any case, and the help text carries the row.
        Algorithm parsed{};
        std::string lower(info.name);
        for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
        QVERIFY(parseAlgorithm(lower, parsed));
        QVERIFY(parsed == info.algorithm);
        QCOMPARE(algorithmName(info.algorithm), info.name);
        QVERIFY(algorithmHelp().find(formula) != std::string::npos);
        QVERIFY(algorithmNameList().find(std::string(info.name)) != std::string::npos);
    }

    void everyRuleHasOneRow() {
        std::set<std::string_view> names;
        std::set<int> rules;
        for (const AlgorithmInfo& info : algorithms()) {
            names.insert(info.name);
            rules.insert(int(info.algorithm));
        }
        QCOMPARE(names.size(), algorithms().size());
        QCOMPARE(rules.size(), algorithms().size());
        QCOMPARE(int(rules.size()), int(Algorithm::RAAR) + 1); // every enumerator, none twice
        Algorithm unused{};
        QVERIFY(!parseAlgorithm("HIOX", unused));
    }

    // docs/algorithms.md's rule table ("| rule | violating pixel | other
    // pixel |") says what the table's formulas say, for every rule and no
    // other: a rule added to the table fails here until the page has it.
    void docsTableMatchesTheTable() {
        const QString path = qEnvironmentVariable("PF_DOCS") + "/algorithms.md";
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly | QIODevice::Text), qPrintable(path + " cannot be read"));
        std::map<std::string, std::pair<std::string, std::string>> documented; // name -> (violating, other)
        bool inTable = false;
        for (const QString& raw : QString::fromUtf8(file.readAll()).split('\n')) {
            const QString line = raw.trimmed();
            if (line.startsWith("| rule |")) {
                inTable = true;
                continue;
            }
            if (!inTable || line.startsWith("|---"))
                continue;
            if (!line.startsWith('|'))
                break;
            const QStringList cells = line.mid(1, line.size() - 2).split('|');
            QCOMPARE(cells.size(), 3);
            const QString rules = cells[0].section('(', 0, 0); // "IO (input-output)" -> "IO"
            for (const QString& name : rules.split(',')) {
                const std::string key = name.trimmed().toStdString();
                QVERIFY2(!documented.count(key), key.c_str());
                documented[key] = {normalised(cells[1]), normalised(cells[2])};
            }
        }
        QCOMPARE(documented.size(), algorithms().size());
        const std::regex formula(R"(^g_next = violates \? (.+) : (g'?)(  \(.*\))?$)");
        for (const AlgorithmInfo& info : algorithms()) {
            const std::string name(info.name);
            QVERIFY2(documented.count(name), qPrintable(QString::fromStdString(name) + " is not in " + path));
            std::smatch m;
            const std::string text(info.formula);
            QVERIFY2(std::regex_match(text, m, formula), text.c_str());
            const std::pair<std::string, std::string> table{normalised(QString::fromStdString(m[1].str())),
                                                            normalised(QString::fromStdString(m[2].str()))};
            QVERIFY2(documented[name] == table,
                     qPrintable(QString("%1: the page says '%2' / '%3', the table '%4' / '%5'")
                                    .arg(name.c_str(), documented[name].first.c_str(),
                                         documented[name].second.c_str(), table.first.c_str(),
                                         table.second.c_str())));
        }
    }

private:
    /// One spelling for both: β as "beta", the minus sign as '-', no spaces.
    static std::string normalised(QString text) {
        text.replace(QChar(0x03B2), "beta").replace(QChar(0x2212), "-").remove(' ');
        return text.toStdString();
    }
};

QTEST_GUILESS_MAIN(TestAlgorithmTable)
#include "tst_algorithm_table.moc"
