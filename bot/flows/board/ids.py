"""Action ids of the board's buttons (the App Home's and the home card's)."""

BOARD_LINK = "board.link"
"""Answer with a fresh sign-in link to the board (a Home tab cannot hold one: it expires)."""
HOME_FOLLOW = "board.home.follow"
"""Follow a service's status updates from the home (the value is the catalogue's name)."""
HOME_UNFOLLOW = "board.home.unfollow"
"""Stop following it."""
