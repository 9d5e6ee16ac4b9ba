"""The frame's behaviour: the language switch returns to the page the user is on."""

from dash import Input, Output, clientside_callback

from dashboard import ids

clientside_callback(
    """
    function(pathname) {
        const here = encodeURIComponent(pathname || "/");
        const link = document.getElementById("lang-switch");
        const code = link ? link.getAttribute("href").split("?")[0] : "/lang/en";
        return code + "?next=" + here;
    }
    """,
    Output(ids.LANG_SWITCH, "href"),
    Input(ids.SHELL_LOCATION, "pathname"),
)
