"""The self-contained demo: one command brings up a seeded city with a login for every role."""

from __future__ import annotations

import secrets
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from dashboard.auth import hash_password
from dashboard.citypack import load_city_pack
from dashboard.domain.roles import Role, User, system_user
from dashboard.settings import Settings
from data_access import commands
from data_access.queries.registry import first_enterprise_id
from data_access.registry import registry_is_empty
from data_access.users import find_login

DEMO_DISTRICT = "420102"  # 江岸区 Jiang'an


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    display_name: str
    district: str | None = None
    bound_to_enterprise: bool = False


DEMO_LOGINS = (
    DemoLogin("duty", "duty-demo", Role.DUTY_OFFICER, "值班员 王敏"),
    DemoLogin("leader", "leader-demo", Role.LEADER, "分管领导 陈刚"),
    DemoLogin("supervisor", "supervisor-demo", Role.SUPERVISOR, "监管员 李娜"),
    DemoLogin("jiangan", "jiangan-demo", Role.DISTRICT_OFFICER, "江岸区燃管办 周强", DEMO_DISTRICT),
    DemoLogin("enterprise", "enterprise-demo", Role.ENTERPRISE, "企业安全员 赵磊", None, True),
    DemoLogin("screen", "screen-demo", Role.SCREEN, "指挥大屏"),
    DemoLogin("admin", "admin-demo", Role.ADMIN, "系统管理员"),
)

# The simulated duty officer (simulators/duty_desk.py): a real account, so that what it does is
# in the log under its name, but not a login the banner offers (its password is random, never
# shown: nobody signs in as it).
DESK_SIM = DemoLogin("desk-sim", "", Role.DUTY_OFFICER, "值班员（模拟） 刘洋")


def seed_if_empty(engine: Engine, settings: Settings, *, scale: str, seed: int) -> bool:
    """Seed the generated city into an empty registry; True when it did."""
    from simulators.progress import BIG_SCALE_ROWS, progress_bar
    from simulators.seed import SCALES, seed_registry

    if not registry_is_empty(engine):
        return False
    chosen = SCALES[scale]
    progress = progress_bar if chosen.customers >= BIG_SCALE_ROWS else None
    seed_registry(engine, chosen, load_city_pack(settings.city_pack), seed=seed, progress=progress)
    return True


def ensure_demo_users(engine: Engine) -> list[DemoLogin]:
    """Create the demo logins that do not exist yet (the actor in the log: "demo"); a second
    run changes nothing."""
    enterprise_id = first_enterprise_id(engine)
    demo = system_user("demo")
    for login in DEMO_LOGINS:
        if find_login(engine, login.username) is not None:
            continue
        # A refusal (e.g. a city pack without Jiang'an) means that login is simply not offered.
        commands.create_user(
            engine,
            demo,
            login.username,
            hash_password(login.password),
            login.role,
            display_name=login.display_name,
            district=login.district,
            enterprise_id=enterprise_id if login.bound_to_enterprise else None,
        )
    ensure_desk_user(engine)
    commands.publish_builtin_checklists(engine)  # the inspection tasks' checklists (idempotent)
    return [login for login in DEMO_LOGINS if find_login(engine, login.username) is not None]


def ensure_desk_user(engine: Engine) -> User | None:
    """The simulated duty officer's account, created (by "demo") if missing; None when it cannot
    be (then the desk stays off)."""
    found = find_login(engine, DESK_SIM.username)
    if found is None:
        commands.create_user(
            engine,
            system_user("demo"),
            DESK_SIM.username,
            hash_password(secrets.token_urlsafe(24)),
            DESK_SIM.role,
            display_name=DESK_SIM.display_name,
        )
        found = find_login(engine, DESK_SIM.username)
    return found[0] if found is not None else None


@contextmanager
def run_beside(command: list[str], env: dict[str, str], name: str) -> Iterator[None]:
    """Run a helper process (the gateway) for as long as the block runs, then stop it cleanly.

    Ctrl-C reaches the whole process group, so the child usually stops by itself; SIGTERM
    covers the other ways out (e.g. the app's server failing to bind its port).
    """
    child = subprocess.Popen(command, env=env)
    try:
        yield
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop within 30 s; killing it")
            child.kill()
