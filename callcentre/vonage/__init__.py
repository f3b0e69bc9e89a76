"""The only code that speaks Vonage: NCCO builder, webhook signatures, REST client."""
