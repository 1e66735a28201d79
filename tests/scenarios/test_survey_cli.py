"""`touchpoint pulse create --survey KEY` and `touchpoint pulse results NAME` for a
satisfaction survey, as an operator runs them: real processes against the test database, on
SQLite and PostgreSQL; the CSV has a row per aspect, with every group under K withheld."""

from __future__ import annotations

import csv
import io

from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from tests.scenarios.pulse_kit import deliveries
from tests.scenarios.test_pulse_cli import operator, touchpoint
from tests.scenarios.test_surveys import with_survey


async def test_create_a_survey_then_read_its_results_as_csv(make_settings, slack, cli_env,
                                                            database_url):
    services, env = await operator(make_settings(config=with_survey), slack, cli_env,
                                   database_url)

    code, _out, err = await touchpoint(env, "pulse", "create", "x", "--survey", "nope")
    assert code == 2 and "--survey nope: app.yaml has no pulses.campaigns.nope" in err
    code, out, err = await touchpoint(env, "pulse", "create", "sat-q4", "--days", "7",
                                      "--survey", "satisfaction")
    assert code == 0, err
    rows = await deliveries(services)
    assert rows and {r.status for r in rows} == {"pending"}

    # Six people in Finance, all satisfied with the desk, two of them not with incidents;
    # two in Sales (too few to show), five in no department (shown, but for Sales: the
    # smallest group shown beside a lone withheld one is withheld with it).
    async with services.sessions() as session:
        campaign_id = rows[0].campaign_id
        people = ([("Finance", 5, 4)] * 4 + [("Finance", 4, 2)] * 2 + [("Sales", 1, 1)] * 2
                  + [(None, 3, 3)] * 5)
        for n, (department, desk, incidents) in enumerate(people):
            response = PulseResponse(campaign_id=campaign_id, respondent_key=f"k{n}",
                                     segments={"department": department} if department
                                     else {}, finished=True)
            session.add(response)
            await session.flush()
            assert response.id is not None
            for question, (aspect, value) in enumerate(
                    (("service desk", desk), ("incident response", incidents))):
                session.add(PulseQuestionAnswer(response_id=response.id,
                                                campaign_id=campaign_id, question=question,
                                                aspect=aspect, kind="satisfaction",
                                                value=value))
        await session.commit()

    code, out, err = await touchpoint(env, "pulse", "results", "sat-q4", "--by",
                                      "department", "--format", "csv")
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    withheld = ["not enough answers"] * 5
    assert table == [
        ["segment", "value", "aspect", "people", "answers", "satisfied_pct", "average",
         "average_0_10", "band", "previous_pct", "change_points", "target_pct"],
        # 26 answers, 10 of them 4 or 5: 38 %; 82 / 26 = 3.15, shown 3.2.
        ["all", "", "all", "13", "26", "38", "3.2", "", "below", "", "", ""],
        ["all", "", "service desk", "13", "13", "46", "3.5", "", "below", "", "", ""],
        ["all", "", "incident response", "13", "13", "31", "2.8", "", "below", "", "", ""],
        ["department", "Finance", "all", "6", "12", "83", "4.0", "", "", "", "", ""],
        ["department", "Finance", "service desk", "6", "6", "100", "4.7", "", "", "", "", ""],
        ["department", "Finance", "incident response", "6", "6", "67", "3.3", "", "", "",
         "", ""],
        ["department", "Sales", "all", *withheld, "", "", "", ""],
        ["department", "Sales", "service desk", *withheld, "", "", "", ""],
        ["department", "Sales", "incident response", *withheld, "", "", "", ""],
        ["department", "", "all", *withheld, "", "", "", ""],
        ["department", "", "service desk", *withheld, "", "", "", ""],
        ["department", "", "incident response", *withheld, "", "", "", ""],
    ]
    code, out, err = await touchpoint(env, "pulse", "results", "sat-q4")
    assert code == 0, err
    assert "all aspects: 38% satisfied, average 3.2 of 5 (13 people); below" in out
    code, out, err = await touchpoint(env, "pulse", "status", "sat-q4")
    assert code == 0 and "answered 13" in out
    await services.engine.dispose()
