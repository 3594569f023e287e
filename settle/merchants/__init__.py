"""Tenants (merchants), who may act for them (memberships with roles) and API keys."""
