"""What the rehearsal saw, printed as it goes and summed up at the end."""

import sys
import time
from dataclasses import dataclass, field

MARKS = {"ok": "ok  ", "fail": "FAIL", "todo": "TODO"}


@dataclass
class Report:
    started: float = field(default_factory=time.monotonic)
    rows: list[tuple[str, str]] = field(default_factory=list)

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def ok(self, what: str) -> None:
        self.add("ok", what)

    def fail(self, what: str) -> None:
        self.add("fail", what)

    def todo(self, what: str) -> None:
        """A part of the rehearsal that the site cannot pass yet: said plainly, never faked."""
        self.add("todo", what)

    def note(self, what: str) -> None:
        print(f"        {what}", flush=True)

    def add(self, status: str, what: str) -> None:
        self.rows.append((status, what))
        print(f"  {MARKS[status]}  {what}", flush=True)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row[0] == status)

    def failed(self) -> bool:
        return self.count("fail") > 0

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        line = f"{self.count('ok')} passed, {self.count('fail')} failed"
        todo = self.count("todo")
        return line + (f" ({todo} not yet possible)" if todo else "") + f" in {seconds:.0f} s"


def fail_loudly(message: str) -> None:
    print(f"\nRehearsal stopped: {message}", file=sys.stderr, flush=True)
