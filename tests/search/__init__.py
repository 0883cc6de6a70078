"""Search: the JSON API, the HTML search page and the entity lookup."""

API_URL = "/api/articles/"
ENTITIES_URL = "/api/entities/"
SEARCH_PAGE_URL = "/search/"
