"""Labels of the public QR check (/q/<code>): Chinese first, for a phone in a kitchen or a shop."""

TEXT: dict[str, tuple[str, str]] = {
    "qc.title": ("气瓶安全查询", "Gas cylinder check"),
    "qc.code": ("气瓶编码", "Cylinder code"),
    "qc.verdict.in_date": ("已登记 · 检验在有效期内", "Registered · inspection in date"),
    "qc.verdict.overdue": ("检验已超期 · 请勿使用", "Inspection overdue · do not use"),
    "qc.verdict.scrapped": ("已过报废期限 · 请勿使用", "Past its scrap date · do not use"),
    "qc.verdict.unregistered": ("未登记气瓶 · 请勿使用", "Not registered · do not use"),
    "qc.advice.in_date": (
        "请核对送气企业与下方信息一致；如不一致，可在下方投诉。",
        "Check that the supplier matches the details below; if not, you can complain below.",
    ),
    "qc.advice.overdue": (
        "该气瓶已超过定期检验日期，请勿使用，请联系供气企业更换，或拨打 96511 反映。",
        "This cylinder is past its periodic inspection date. Do not use it: ask the supplier "
        "to replace it, or call 96511.",
    ),
    "qc.advice.scrapped": (
        "该气瓶已超过报废期限，必须停止使用，请联系供气企业更换，或拨打 96511 反映。",
        "This cylinder is past its scrap date and must not be used: ask the supplier to "
        "replace it, or call 96511.",
    ),
    "qc.advice.unregistered": (
        "该编码未在监管系统登记，可能是非法充装的“黑气瓶”。请勿使用，立即拨打 96511 举报。",
        "This code is not in the supervision register: it may be an illegally filled "
        "(“black”) cylinder. Do not use it, and call 96511 to report it.",
    ),
    "qc.enterprise": ("产权企业", "Enterprise"),
    "qc.licence": ("经营许可证", "Licence no."),
    "qc.last_filled": ("最近充装", "Last filled"),
    "qc.station": ("充装站", "Filling station"),
    "qc.inspection": ("定期检验有效期至", "Inspection valid until"),
    "qc.scrap": ("报废日期", "Scrap date"),
    "qc.in_date": ("在有效期内", "in date"),
    "qc.overdue": ("已超期", "overdue"),
    "qc.scrap_ok": ("未到期", "not reached"),
    "qc.scrap_passed": ("已过期", "passed"),
    "qc.none": ("无记录", "no record"),
    "qc.hotline": ("燃气服务热线 96511", "Gas service hotline 96511"),
    "qc.privacy": (
        "本页只显示气瓶的安全信息，不显示任何个人信息。",
        "This page shows the cylinder's safety details only, nobody's personal data.",
    ),
    "qc.lang": ("English", "中文"),
    "qc.bad_code": ("气瓶编码无效。", "That is not a valid cylinder code."),
    # the complaint form
    "qc.form.title": ("发现问题？在线投诉", "Something wrong? Complain online"),
    "qc.form.category": ("问题类型", "What is wrong"),
    "qc.category.企业信息不符": ("送气企业与查询结果不符", "Supplier differs from the record"),
    "qc.category.送气工信息不符": ("送气工与查询信息不符", "Delivery worker not the one shown"),
    "qc.category.检验超期": ("气瓶检验超期", "Inspection overdue"),
    "qc.category.其他": ("其他", "Other"),
    "qc.form.text": ("情况说明", "What happened"),
    "qc.form.text_hint": (
        "请简要说明（不超过 {limit} 字），无需填写姓名、电话或地址。",
        "Briefly (at most {limit} characters); no need for your name, phone or address.",
    ),
    "qc.form.district": ("气瓶所在区", "District where the cylinder is"),
    "qc.form.district_pick": ("请选择", "Choose"),
    "qc.form.submit": ("提交投诉", "Send complaint"),
    "qc.done.title": ("投诉已受理", "Complaint received"),
    "qc.done.number": ("投诉编号", "Complaint number"),
    "qc.done.next": (
        "请记下投诉编号。监管部门将按时限处理，可拨打 96511 查询进度。",
        "Keep this number. The supervisors handle it within the time limit; call 96511 to ask "
        "how it is going.",
    ),
    "qc.done.back": ("返回查询结果", "Back to the cylinder"),
    "qc.too_many.title": ("请求过于频繁", "Too many requests"),
    "qc.too_many": (
        "来自您网络的请求过多，请稍后（约 {seconds} 秒后）再试。",
        "Too many requests from your network: please try again later (in about {seconds} s).",
    ),
    "qc.too_many.text": (
        "您填写的内容未提交，请先复制保存：",
        "Your text was not sent; copy it to keep it:",
    ),
    "qc.busy": ("系统繁忙，请稍后再试。", "The system is busy, please try again shortly."),
    # refusals of the complaint (data_access/commands/public.py, dashboard/public_check.py)
    "refused.qr.category": ("请选择问题类型。", "Choose what is wrong."),
    "refused.qr.text_empty": ("请填写情况说明。", "Say what happened."),
    "refused.qr.text_long": (
        "情况说明过长，请控制在 {limit} 字以内。",
        "The text is too long: at most {limit} characters.",
    ),
    "refused.qr.code": ("气瓶编码无效。", "That is not a valid cylinder code."),
    "refused.qr.district": ("请选择气瓶所在区。", "Choose the district where the cylinder is."),
    "refused.qr.expired": (
        "表单已过期，请确认内容后重新提交。",
        "The form has expired: check your text and send it again.",
    ),
    "refused.qr.token": (
        "表单无效，请刷新页面后重新提交。",
        "The form is not valid: check your text and send it again.",
    ),
}
