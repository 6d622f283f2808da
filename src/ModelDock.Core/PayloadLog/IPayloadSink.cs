namespace ModelDock.PayloadLog;

/// <summary>Where the writer hands a model's records once a file's worth is ready.</summary>
internal interface IPayloadSink
{
    /// <summary>Writes <paramref name="records"/> of <paramref name="model"/> whole or throws; never leaves a partial file readers see.</summary>
    void Write(string model, IReadOnlyList<PayloadRecord> records);
}
