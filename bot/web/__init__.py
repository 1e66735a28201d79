"""What Touchpoint serves to browsers and chat clients over plain HTTP (images for Teams)."""
