"""What happens for a command, a button or a modal: defer, plan, admit, run, deliver."""
