"""The HTML pages: the organization's `/admin/*` pages, the wizard and the account pages."""
