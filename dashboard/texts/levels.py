"""The words of the four levels, defined once (China's emergency response levels in their
standard English): incident severities 1-4, hazard levels and the four-colour risk bands all say
重大 = "Major", so no screen reads a level milder in English than it is in Chinese."""

GENERAL = ("一般", "General")  # level 1 (IV级)
RELATIVELY_MAJOR = ("较大", "Relatively major")  # level 2 (III级)
MAJOR = ("重大", "Major")  # level 3 (II级)
EXTREMELY_SERIOUS = ("特别重大", "Extremely serious")  # level 4 (I级)

SEVERITIES = (GENERAL, RELATIVELY_MAJOR, MAJOR, EXTREMELY_SERIOUS)  # severity 1 to 4


def _band(colour: tuple[str, str], level: tuple[str, str]) -> tuple[str, str]:
    return f"{colour[0]} · {level[0]}", f"{colour[1]} · {level[1].lower()}"


TEXT: dict[str, tuple[str, str]] = {
    **{f"severity.{n}": words for n, words in enumerate(SEVERITIES, start=1)},
    "hazard_level.general": GENERAL,
    "hazard_level.major": MAJOR,
    "risk.blue": ("蓝 · 低", "Blue · low"),
    "risk.yellow": _band(("黄", "Yellow"), GENERAL),
    "risk.orange": _band(("橙", "Orange"), RELATIVELY_MAJOR),
    "risk.red": _band(("红", "Red"), MAJOR),
}
