"""Parsers for answers people type: postcodes, phone numbers, dates, times and head counts.

Each parser returns a normalised value, or None when the text does not fit so the caller can
ask again.  They forgive case, spacing and stray punctuation, and refuse anything that could
sensibly be read two ways: a wrong guess about an appointment is worse than asking again.
Digits of any script count as ASCII ones (Arabic-Indic, Bengali, Gurmukhi; full-width digits
through NFKC); any text longer than 200 characters gives None.

`answers` adapts them to the forms: each question's parser returns the value to keep and the
words to show back.
"""
