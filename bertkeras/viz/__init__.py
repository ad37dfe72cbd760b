"""``bertkeras.viz``: look inside BERT with matplotlib (and a small HTML view), no PyTorch needed.

Every function takes plain arrays (numpy, lists, or Keras / TF tensors) plus the tokens, so it works
for any model, and returns a matplotlib ``Figure`` (the head view returns a :class:`HeadView`, shown as
HTML in Jupyter / Colab). Figures are not registered with pyplot: return one as a cell's last value,
``display(fig)`` it, or ``fig.savefig(path)``.

Attention for one example is ``(layers, heads, query, key)`` or a list of per-layer ``(heads, q, k)``
arrays; :func:`example_attention` takes it out of the backbone's batched ``attention_scores``.

=======================  ==============================================================================
attention                :func:`attention_heatmap`, :func:`model_view` (layers x heads grid)
head view                :func:`head_view` (interactive HTML), :func:`head_view_figure` (static)
patterns                 :func:`attention_pattern_scores`, :func:`mean_pattern_scores`,
                         :func:`attention_entropy`, :func:`best_head`, :func:`attention_pattern_plot`,
                         :func:`attention_entropy_plot`
masking                  :func:`mask_categories`, :func:`masking_view`
embeddings               :func:`embedding_parts_plot`, :func:`pca_2d`, :func:`projection_plot`
training                 :func:`training_curves`, :func:`read_tensorboard`
classification           :func:`confusion_matrix`, :func:`confusion_matrix_plot`, :func:`precision_recall_plot`
label efficiency         :func:`label_efficiency_plot`, :func:`load_label_efficiency_results`
diagrams                 :func:`encoder_decoder_diagram`, :func:`input_representation_diagram`,
                         :func:`encoder_block_diagram`, :func:`pretraining_heads_diagram`,
                         :func:`finetuning_tasks_diagram` (block diagrams of BERT, drawn in code)
=======================  ==============================================================================
"""

from bertkeras.viz.attention import attention_heatmap, model_view
from bertkeras.viz.classification import confusion_matrix, confusion_matrix_plot, precision_recall_plot
from bertkeras.viz.diagrams import (
    encoder_block_diagram,
    encoder_decoder_diagram,
    finetuning_tasks_diagram,
    input_representation_diagram,
    pretraining_heads_diagram,
)
from bertkeras.viz.embeddings import embedding_parts_plot, pca_2d, projection_plot
from bertkeras.viz.head_view import HeadView, head_view, head_view_figure, segment_positions
from bertkeras.viz.inputs import attention_stack, example_attention, sentence_b_start
from bertkeras.viz.label_efficiency import label_efficiency_plot, load_label_efficiency_results
from bertkeras.viz.masking import mask_categories, masking_view
from bertkeras.viz.patterns import (
    PATTERNS,
    attention_entropy,
    attention_entropy_plot,
    attention_pattern_plot,
    attention_pattern_scores,
    best_head,
    mean_pattern_scores,
)
from bertkeras.viz.style import OKABE_ITO, figure_png
from bertkeras.viz.training import read_tensorboard, training_curves

__all__ = [
    "OKABE_ITO",
    "PATTERNS",
    "HeadView",
    "attention_entropy",
    "attention_entropy_plot",
    "attention_heatmap",
    "attention_pattern_plot",
    "attention_pattern_scores",
    "attention_stack",
    "best_head",
    "confusion_matrix",
    "confusion_matrix_plot",
    "embedding_parts_plot",
    "encoder_block_diagram",
    "encoder_decoder_diagram",
    "example_attention",
    "figure_png",
    "finetuning_tasks_diagram",
    "head_view",
    "head_view_figure",
    "input_representation_diagram",
    "label_efficiency_plot",
    "load_label_efficiency_results",
    "mask_categories",
    "masking_view",
    "mean_pattern_scores",
    "model_view",
    "pca_2d",
    "precision_recall_plot",
    "pretraining_heads_diagram",
    "projection_plot",
    "read_tensorboard",
    "segment_positions",
    "sentence_b_start",
    "training_curves",
]
