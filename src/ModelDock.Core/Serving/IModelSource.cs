namespace ModelDock.Serving;

/// <summary>Something that loads model versions and publishes them into the <see cref="ServingTable"/>: a repository folder, a registry.</summary>
internal interface IModelSource
{
    /// <summary>How messages name the source, e.g. "model repository".</summary>
    string Name { get; }

    /// <summary>Started, and (when the source asks for it) every model it should serve has a ready version.</summary>
    bool IsReady { get; }

    /// <summary>The source has a model of this name, loaded or not.</summary>
    bool Has(string model);
}
