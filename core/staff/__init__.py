"""Staff accounts of issuers and verifiers: people who sign in to a tenant's pages with a
username and a password (never with the tenant's API key).

An account belongs to one tenant of one kind (``issuer`` or ``verifier``); the same username
may exist at other tenants. Passwords, throttling and session expiry follow ``core.signin``,
like the wallet's holders. The pages that sign staff in and out are ``core.pages.staff``.
"""
