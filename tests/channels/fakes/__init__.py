"""Local servers that follow the providers' published APIs (the real SDKs are pointed at them)."""
