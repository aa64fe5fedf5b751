"""The conversation engine: events in, replies out, the forms and the words the bot says."""
