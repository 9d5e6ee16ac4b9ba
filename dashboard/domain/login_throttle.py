"""How failed sign-ins slow further attempts: back-off, never a lock-out an attacker can aim.

Three counters, each of failures in the last WINDOW_S seconds (a counter forgets WINDOW_S after
its latest failure):

- per address: slows one client spraying a password over many usernames;
- per account from one address: the classic guessing of one password, stopped after 5 failures;
- per account from any address: a short back-off against a botnet guessing one account, which
  applies only to addresses that have themselves failed for that account, so an attack on the
  duty officer never keeps the duty officer (from a clean address) out.

A wait is counted from the latest failure: `delay(failures)` seconds after it.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW_S = 15 * 60


@dataclass(frozen=True)
class BackOff:
    free: int  # failures allowed before any wait
    first_s: int  # the wait after the first failure beyond `free`; doubles with each failure
    cap_s: int  # the longest wait

    def delay(self, failures: int) -> int:
        if failures < self.free:
            return 0
        return min(self.cap_s, self.first_s * 2 ** min(failures - self.free, 16))


PER_ADDRESS = BackOff(free=10, first_s=1, cap_s=5 * 60)
PER_ACCOUNT_FROM_ADDRESS = BackOff(free=5, first_s=30, cap_s=15 * 60)
PER_ACCOUNT = BackOff(free=20, first_s=1, cap_s=30)


def address_key(address: str) -> str:
    return f"addr:{address}"


def account_from_address_key(username: str, address: str) -> str:
    return f"acct-addr:{username.lower()}|{address}"


def account_key(username: str) -> str:
    return f"acct:{username.lower()}"


def wait_s(failures: dict[str, tuple[int, float]], username: str, address: str, now: float) -> int:
    """Seconds this address must wait before trying `username` again (0: it may try now).
    `failures` maps a key to (failures, time of the latest) for the keys that have any."""

    def remaining(key: str, back_off: BackOff) -> float:
        count, last_at = failures.get(key, (0, now))
        return last_at + back_off.delay(count) - now

    pair = account_from_address_key(username, address)
    waits = [
        remaining(address_key(address), PER_ADDRESS),
        remaining(pair, PER_ACCOUNT_FROM_ADDRESS),
    ]
    if pair in failures:  # only an address that has failed for this account waits for it
        waits.append(remaining(account_key(username), PER_ACCOUNT))
    longest = max(waits)
    return int(longest) + (1 if longest % 1 else 0) if longest > 0 else 0


def failure_keys(username: str, address: str) -> tuple[str, str, str]:
    return (
        address_key(address),
        account_from_address_key(username, address),
        account_key(username),
    )
