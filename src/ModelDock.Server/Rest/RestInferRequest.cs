using ModelDock.Inference;

namespace ModelDock.Server.Rest;

/// <summary>A parsed REST inference request and the binary-output default that only REST knows about.</summary>
/// <param name="Request">The transport-independent request.</param>
/// <param name="BinaryOutputs">Return outputs in the binary tensor extension unless an output says otherwise.</param>
internal readonly record struct RestInferRequest(InferenceRequest Request, bool BinaryOutputs);
