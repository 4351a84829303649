#include <phaseforge/error.h>
#include <phaseforge/schedule.h>

#include <QtTest>

using pf::Algorithm;
using pf::Schedule;

class TestSchedule : public QObject {
    Q_OBJECT

private slots:
    void parsesSequences() {
        const Schedule s = Schedule::parse("HIO:200,ER:50");
        QCOMPARE(s.items().size(), std::size_t(2));
        QCOMPARE(s.items()[0], (pf::ScheduleItem{Algorithm::HIO, 200}));
        QCOMPARE(s.items()[1], (pf::ScheduleItem{Algorithm::ER, 50}));
        QCOMPARE(s.totalIterations(), 250LL);
        QCOMPARE(s.toString(), std::string("HIO:200,ER:50"));
    }

    void expandsRepeats() {
        const Schedule s = Schedule::parse(" ( hio:50 , ER:10 ) * 5 ");
        QCOMPARE(s.items().size(), std::size_t(10));
        QCOMPARE(s.totalIterations(), 300LL);
        QCOMPARE(s.algorithmAt(0), Algorithm::HIO);
        QCOMPARE(s.algorithmAt(49), Algorithm::HIO);
        QCOMPARE(s.algorithmAt(50), Algorithm::ER);
        QCOMPARE(s.algorithmAt(60), Algorithm::HIO);
        QCOMPARE(s.algorithmAt(299), Algorithm::ER);
        QCOMPARE(s.algorithmAt(10'000), Algorithm::ER);
        QCOMPARE(s.leftInItem(0), 50LL);
        QCOMPARE(s.leftInItem(49), 1LL);
        QCOMPARE(s.leftInItem(50), 10LL);
        QCOMPARE(s.leftInItem(295), 5LL);
        QCOMPARE(s.leftInItem(300), 0LL);
    }

    void nestsAndMerges() {
        const Schedule s = Schedule::parse("GS:3,((RAAR:2,IO:1)*2,OO:4)*2,ER:1,ER:2");
        QCOMPARE(s.totalIterations(), 3LL + 2 * (2 * 3 + 4) + 3);
        QCOMPARE(s.items().back(), (pf::ScheduleItem{Algorithm::ER, 3}));
        const Schedule single = Schedule::parse("(ER:5)*3");
        QCOMPARE(single.items().size(), std::size_t(1));
        QCOMPARE(single.items()[0].count, 15);
    }

    void malformedPointsAtTheCharacter_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bad char") << "HIO:20x" << "unexpected 'x' at column 7";
        QTest::newRow("unknown") << "HIO:20,FOO:3" << "unknown algorithm 'FOO'";
        QTest::newRow("unknown column") << "HIO:20,FOO:3" << "at column 8";
        QTest::newRow("zero count") << "ER:0" << "count must be positive at column 4";
        QTest::newRow("missing colon") << "ER 5" << "unexpected '5' at column 4";
        QTest::newRow("missing paren") << "(ER:5" << "missing a ')'";
        QTest::newRow("empty") << "" << "is empty";
        QTest::newRow("trailing comma") << "ER:5," << "ends where an algorithm";
        QTest::newRow("no count") << "HIO:" << "ends where a count";
        QTest::newRow("huge") << "HIO:99999999999" << "larger than";
        QTest::newRow("huge repeat") << "(HIO:1,ER:1)*1000000000" << "expands to more than";
        QTest::newRow("star without group") << "ER:5*2" << "unexpected '*' at column 5";
    }
    void malformedPointsAtTheCharacter() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        try {
            Schedule::parse(text.toStdString());
            QFAIL("no exception");
        } catch (const pf::InvalidArgument& e) {
            QVERIFY2(QString(e.what()).contains(expected), e.what());
            QVERIFY2(QString(e.what()).contains("schedule '" + text + "'"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestSchedule)
#include "tst_schedule.moc"
