"""The staff API's request and response shapes, one module per resource."""
