"""NIK (Nomor Induk Kependudukan): parsing and validation of Indonesian resident numbers."""
