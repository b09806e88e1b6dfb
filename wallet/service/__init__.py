"""The wallet's use cases: no FastAPI here and no SQL (that is ``wallet.repository``)."""
