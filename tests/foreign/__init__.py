"""Foreign-tenant tests: Mejora on event logs it did not make (see ``_tenants``)."""
