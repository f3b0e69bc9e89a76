"""Rebuild the historical reports' roll-ups for a range of local days (docs/reports.md)."""

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports.rollups import report_zone, rollup_days


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = "Rebuild the roll-ups of the local days FIRST to LAST (default: yesterday and today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("first", nargs="?", help="first day, YYYY-MM-DD")
        parser.add_argument("last", nargs="?", help="last day, YYYY-MM-DD (default: FIRST)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localtime(timezone.now(), report_zone()).date()
        first = iso_date(options["first"]) if options["first"] else today - timedelta(days=1)
        last = (
            iso_date(options["last"]) if options["last"] else (first if options["first"] else today)
        )
        if last < first:
            raise CommandError(f"The range ends ({last}) before it starts ({first}).")
        report = rollup_days(first=first, last=last)
        self.stdout.write(
            f"Rolled up {report.days} day(s) from {first} to {last}: {report.contacts} "
            f"contact(s) in {report.contact_rows} row(s), {report.presence_rows} presence row(s)."
        )
