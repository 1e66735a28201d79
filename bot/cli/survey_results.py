"""`touchpoint pulse results NAME` for a satisfaction survey: per aspect and over all, as text
or CSV (one row per segment value and aspect), withheld groups saying only that they are;
and how many answered in each language, when there were several (rows ``language,<code>``)."""

from __future__ import annotations

import csv
import sys

import click

from bot.flows import spreadsheet_cells

NOT_ENOUGH = "not enough answers"
CSV_COLUMNS = ["segment", "value", "aspect", "people", "answers", "satisfied_pct", "average",
               "average_0_10", "band", "previous_pct", "change_points", "target_pct"]


def several_languages(languages: dict[str, int]) -> dict[str, int]:
    """Answers per language when people answered in more than one (as the results card says
    them), else nothing: the figures pool every language either way."""
    return languages if len(languages) > 1 else {}


def echo_languages(languages: dict[str, int]) -> None:
    shown = several_languages(languages)
    if shown:
        click.echo("answered in: " + ", ".join(f"{language} {n}"
                                               for language, n in shown.items()))


def _cell(value) -> object:
    return "" if value is None else value


def echo_survey(results, output: str) -> None:
    """`results`: a bot.flows.pulses.survey_results.SurveyResults."""
    lines = [results.overall, *results.aspects]
    if output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            writer.writerow(spreadsheet_cells.row([
                "all", "", line.figures.aspect or "all", *_figures(line.figures),
                *(_cell(v) for v in (line.band, line.previous, line.change, line.target))]))
        for segment, found in results.by.items():
            for row in found:
                for figures in row.aspects:
                    # A segment's value may be what people put in their profiles.
                    writer.writerow(spreadsheet_cells.row([
                        segment, row.label or "", figures.aspect or "all", *_figures(figures),
                        "", "", "", ""]))
        for language, people in several_languages(results.languages).items():
            writer.writerow(spreadsheet_cells.row(["language", language, "all", people,
                                                   *[""] * 8]))
        return
    click.echo(f"{results.name} ({results.status}, {results.anonymity}); K = "
               f"{results.min_group}")
    rate = "-" if results.response_rate is None else f"{results.response_rate}%"
    click.echo(f"response rate {rate} ({results.answered} of {results.invited} reached, "
               f"{results.finished} finished)")
    echo_languages(results.languages)
    for line in lines:
        click.echo(f"{line.figures.aspect or 'all aspects'}: {_text(line.figures)}"
                   + ("" if line.band is None else f"; {line.band}")
                   + ("" if line.change is None else
                      f"; {line.change:+d} points since {results.previous_name}")
                   + ("" if line.target is None else f"; target {line.target}%"))
    for segment, found in results.by.items():
        for row in found:
            label = f"{segment}={row.label or '(none)'}"
            click.echo(f"{label}: " + "; ".join(
                f"{f.aspect or 'all aspects'} {_text(f)}" for f in row.aspects))


def _figures(figures) -> list[object]:
    if figures.withheld:
        return [NOT_ENOUGH] * 5
    return [_cell(v) for v in (figures.answers, figures.ratings, figures.satisfied,
                               figures.average, figures.scale_average)]


def _text(figures) -> str:
    if figures.withheld:
        return NOT_ENOUGH
    parts = []
    if figures.satisfied is not None:
        parts.append(f"{figures.satisfied}% satisfied, average {figures.average} of 5")
    if figures.scale_average is not None:
        parts.append(f"average {figures.scale_average} of 10")
    return ", ".join(parts) + f" ({figures.answers} people)"
