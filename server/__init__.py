"""cloudide-server: the backend interface served over websockets (installed as cloudide_server)."""
