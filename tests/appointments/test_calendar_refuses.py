"""A calendar server that refuses the write: the seat is given back and nothing is kept.

Radicale with a rights file that lets the hub's user read its calendars but not write them;
the hub's own booking code (``hub.cases.appointments.book``) runs against it and the test's database.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime

import aiohttp
import pytest

from connectors.calendar import CalDAVBook
from hub.cases import appointments
from hub.cli import launcher
from hub.core.settings import ROOT, Settings
from hub.core.workdays import TZ
from hub.core.workdays import calendar as work_calendar
from tests.appointments.conftest import slots
from tests.conftest import LOG_DIR, Stack

READ_ONLY = """
[root]
user: .+
collection:
permissions: R

[principal]
user: .+
collection: {user}
permissions: R

[calendars]
user: .+
collection: {user}/[^/]+
permissions: r
"""


@pytest.fixture(scope="module")
def read_only_caldav() -> Iterator[str]:
    storage = ROOT / "var" / f"test-radicale-ro-{launcher.free_port()}"
    port = launcher.free_port()
    writable = launcher.radicale(port, storage, LOG_DIR).launch()
    CalDAVBook(f"http://127.0.0.1:{port}/", "kcc", "local")._calendar("burgerzaken")  # exists, empty
    writable.stop()
    rights = storage / "rights"
    rights.write_text(READ_ONLY)
    service = launcher.radicale(port, storage, LOG_DIR)
    service.argv += ["--rights-type", "from_file", "--rights-file", str(rights)]
    service.launch()
    yield f"http://127.0.0.1:{port}/"
    service.stop()
    shutil.rmtree(storage, ignore_errors=True)


async def test_refused_write_gives_the_seat_back(
    stack: Stack, http: aiohttp.ClientSession, db, read_only_caldav: str
) -> None:
    await slots(http, stack.hub_url, "paspoort")  # the catalogue is loaded
    day = work_calendar().add_working_days(datetime.now(TZ).date(), 11)
    start = datetime.combine(day, datetime.strptime("11:00", "%H:%M").time(), tzinfo=TZ)
    book = CalDAVBook(read_only_caldav, "kcc", "local", create_missing=False)
    body = appointments.NewAppointment(product="paspoort", start=start, email="eva@example.nl")
    before = await db.appointments.count_documents({})
    with pytest.raises(appointments.AppointmentError) as refused:
        await appointments.book(db, book, body, "resident", Settings())
    assert refused.value.status == 503 and refused.value.code == "calendar_unavailable"
    assert "niet bereikbaar" in refused.value.message
    prefix = appointments.seat_id("burgerzaken", start, 0)[:-1]
    assert await db.appointment_seats.count_documents({"_id": {"$regex": "^" + re.escape(prefix)}}) == 0
    assert await db.appointments.count_documents({}) == before
    book.close()
