"""Kemendagri region codes (kode wilayah): provinces, regencies/cities, districts, villages."""
