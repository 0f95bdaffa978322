from tests.directory.dns_server import dns_server, silent_dns_server

__all__ = ["dns_server", "silent_dns_server"]
