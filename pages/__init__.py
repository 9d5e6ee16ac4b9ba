"""One module per page: `dash.register_page` and the layout, nothing that changes on screen."""
