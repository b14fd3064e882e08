"""What `/config` does around each change: defer, parse, edit, write, answer, report."""
