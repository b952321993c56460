"""Speaker clusters (cụm loa) over IP: the station's hub and the village agents.

- ``protocol``: MQTT topics and versioned JSON payloads (documented there and in README);
- ``mqtt_bus``: the paho-mqtt adapter (the one module that imports paho);
- ``broker_files``: tokens, and the Mosquitto password and ACL files Loa writes;
- ``plans``: what each cluster airs (pure); ``clocksync``: the NTP-style offset (pure);
- ``hub``: the station's side (plans, emergency commands, health, as-run ingestion);
- ``agent`` with ``agent_store`` and ``station_link``: ``broadcast agent`` in a village.
"""
