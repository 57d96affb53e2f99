namespace EdgeGateway.Mqtt.Client;

/// <summary>Hands out MQTT packet identifiers (1-65535) not in use by this client's outgoing flows.</summary>
internal sealed class PacketIdentifiers
{
    private readonly HashSet<ushort> _inUse = [];
    private readonly Lock _gate = new();
    private ushort _next;

    public ushort Rent()
    {
        lock (_gate)
        {
            if (_inUse.Count >= ushort.MaxValue)
            {
                throw new InvalidOperationException("All 65535 packet identifiers are in use.");
            }

            do
            {
                _next = _next == ushort.MaxValue ? (ushort)1 : (ushort)(_next + 1);
            }
            while (!_inUse.Add(_next));
            return _next;
        }
    }

    public void Return(ushort identifier)
    {
        lock (_gate)
        {
            _inUse.Remove(identifier);
        }
    }
}
