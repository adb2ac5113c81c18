"""List-page adapters, one module per CMS family."""
