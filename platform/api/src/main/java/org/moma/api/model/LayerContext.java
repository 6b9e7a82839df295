package org.moma.api.model;

import java.util.List;

/**
 * Everything a layer or depth plugin may know when building the block of one transformer layer.
 *
 * @param layerIndex 0-based index of the layer in the backbone
 * @param dims the backbone's shape
 * @param modalities the modalities present in the data, by id
 * @param routers builds router blocks by plugin name (the registry behind it is the running one)
 */
public record LayerContext(
    int layerIndex, ModelDims dims, List<Modality> modalities, RouterFactory routers) {}
