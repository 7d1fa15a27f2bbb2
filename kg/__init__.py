"""Knowledge graphs of organisations, people, posts and honours from Chinese organisational news."""
