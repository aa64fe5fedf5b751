"""One module per flow; `registry` lists the main menu's flows in the order the menu shows them."""
