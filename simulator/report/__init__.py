"""What waitsim shows and writes for people and scripts: console tables and JSON documents."""
