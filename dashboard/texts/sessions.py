"""Sign-in, sign-out and the web layer's own answers (dashboard/auth.py, web_security.py)."""

TEXT: dict[str, tuple[str, str]] = {
    "login.wait": (
        "尝试次数过多，请 {seconds} 秒后再试。",
        "Too many failed attempts; try again in {seconds} seconds.",
    ),
    "login.expired": (
        "您已长时间未操作或会话已结束，请重新登录。",
        "Your session has ended; please sign in again.",
    ),
    "logout.confirm": ("确定要退出登录吗？", "Sign out of the command center?"),
    "logout.bad_token": (
        "退出请求无效，请从页面上的“退出”按钮退出。",
        "That sign-out request was not valid: use the Sign out button on the page.",
    ),
    "security.cross_site": (
        "拒绝跨站请求：请从指挥中心自己的页面操作。",
        "Cross-site request refused: act from the command center's own pages.",
    ),
    "security.busy": (
        "系统繁忙（数据库正被占用），请稍后重试。",
        "The system is busy (the database is locked); please try again.",
    ),
}
