"""The JSON API's error messages (dashboard/api_v1): "api.error.<code>", filled in with params."""

TEXT: dict[str, tuple[str, str]] = {
    "api.error.unauthorized": (
        "需要登录，或提供有效的 API 令牌（Authorization: Bearer <令牌>）。",
        "Sign in, or give a valid API token (Authorization: Bearer <token>).",
    ),
    "api.error.forbidden": (
        "您的角色不能读取此资源。",
        "Your role may not read this resource.",
    ),
    "api.error.not_found": ("未找到{noun}“{id}”。", "No {noun} {id!r} found."),
    "api.error.bad_parameter": (
        "参数 {parameter} 无效：{problem}",
        "Parameter {parameter} is not valid: {problem}",
    ),
    "api.error.unknown_parameter": (
        "未知参数：{parameter}",
        "Unknown parameter: {parameter}",
    ),
    # what is wrong with a parameter, by kind (pydantic's error types, grouped)
    "api.problem.integer": ("应为整数", "expected an integer"),
    "api.problem.range": ("应在 {low} 到 {high} 之间", "expected {low} to {high}"),
    "api.problem.choice": ("应为以下之一：{choices}", "expected one of: {choices}"),
    "api.problem.datetime": (
        "应为带时区的 ISO 8601 时间，如 2026-12-02T08:00:00+08:00",
        "expected an ISO 8601 time with its offset, e.g. 2026-12-02T08:00:00+08:00",
    ),
    "api.problem.length": ("长度应为 1 到 {high} 个字符", "expected 1 to {high} characters"),
    "api.problem.invalid": ("格式不正确", "not in the expected form"),
    "api.problem.period": (
        "应为 1900Q1 至 2099Q4 之间的季度，如 2026Q4",
        "expected a quarter from 1900Q1 to 2099Q4, e.g. 2026Q4",
    ),
    "api.noun.route": ("接口", "route"),
    "api.noun.cylinder": ("气瓶", "cylinder"),
    "api.noun.hazard": ("隐患", "hazard"),
    "api.noun.incident": ("事件", "incident"),
}
