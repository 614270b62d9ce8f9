# ViC-MAE ViT-B/16 pre-trained on Moments in Time (the paper's v1 setting):
# the recipe of vicmae_vit-b16_k400.py on MiT's 3-second clips, frames
# extracted with tools/data/extract_frames.py as for Kinetics:
#   python tools/data/extract_frames.py data/mit/videos_train \
#       data/mit/mit_train_list_videos.txt data/mit/rawframes_train \
#       --out-list data/mit/mit_train_list_rawframes.txt
# A 3 s clip holds every 0.5-1.5 s gap; shorter clips fall back to the
# largest gap they allow (counted by BadSampleCounterHook as 'short').
_base_ = ['./vicmae_vit-b16_k400.py']

train_dataloader = dict(
    dataset=dict(
        data_root='data/mit/',
        ann_file='mit_train_list_rawframes.txt',
        data_prefix=dict(img='rawframes_train')))
