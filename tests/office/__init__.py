"""Tests of casebook.office: many books at once."""
