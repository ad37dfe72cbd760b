"""The model (notebooks 02, 03, 05): BERT's layers in ``keras.ops`` alone, so they run on any Keras backend.

``config`` (:class:`~bertkeras.model.config.BertConfig` and the size presets), ``embedding`` (token + segment +
position), ``attention`` (multi-head self-attention), ``encoder`` (one Transformer block), ``backbone``
(:class:`~bertkeras.model.backbone.BertBackbone`), ``heads`` (masked LM, NSP, classification, tagging, span),
``pretrainer`` (:class:`~bertkeras.model.pretrainer.BertPretrainer`, MLM + NSP) and ``task_models`` (a backbone
with one task head). Nothing here imports TensorFlow or matplotlib at module level.
"""
