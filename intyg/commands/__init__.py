"""The ``intyg`` command groups; ``intyg.cli`` assembles them and reports their failures."""
