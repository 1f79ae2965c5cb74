"""Every write of the steering app, one module per part. Each public function checks its
input before it writes, runs in one transaction and leaves an audit entry; a failure
raises ``ValidationError`` naming the field, and nothing is saved."""
