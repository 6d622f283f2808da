namespace ModelDock.Features.Definitions;

/// <summary>A named thing features describe; its join keys (more than one for a composite key) identify it.</summary>
public sealed record Entity(string Name, IReadOnlyList<JoinKey> JoinKeys, string Description);
