"""One module per page, mirroring pages/: what changes on screen."""
