"""How tests/data/hf_tf_bert was made: transformers 4.57.6's TFBertForPreTraining (the last TF BERT; transformers
5 has none), random weights moved off their init, saved with save_pretrained (tf_model.h5 + config.json), and
its outputs on tests.test_huggingface.batch() stored in expected.npz.

    pip install --no-deps --target /tmp/tf4lib transformers==4.57.6 tf-keras==2.21.0 huggingface-hub==0.36.0 \\
        tokenizers==0.22.1
    PYTHONPATH=/tmp/tf4lib python tests/data/hf_tf_bert/make_fixture.py tests/data/hf_tf_bert
"""

import os
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"  # transformers' TF classes need Keras 2 (tf-keras)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from transformers import BertConfig, TFBertForPreTraining  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", ".."))
from tests.test_huggingface import batch  # noqa: E402
from tests.test_tf1_checkpoint import VOCAB  # noqa: E402

config = BertConfig(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=32, hidden_act="gelu")
model = TFBertForPreTraining(config)
model(model.dummy_inputs)
rng = np.random.default_rng(0)
for weight in model.weights:
    weight.assign(weight.numpy() + rng.normal(0, 0.1, weight.shape).astype("float32"))
model.save_pretrained(sys.argv[1])
x = batch()
args = {"input_ids": tf.constant(x["token_ids"]), "token_type_ids": tf.constant(x["segment_ids"]),
        "attention_mask": tf.constant(x["padding_mask"])}
inner = model.bert(**args, training=False)
out = model(**args, training=False)
np.savez(os.path.join(sys.argv[1], "expected.npz"), sequence_output=inner.last_hidden_state.numpy(),
         pooled_output=inner.pooler_output.numpy(), mlm_logits=out.prediction_logits.numpy(),
         nsp_logits=out.seq_relationship_logits.numpy())
