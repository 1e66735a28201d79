"""Kudos: service-excellence vouchers, the wall, points and rewards."""
