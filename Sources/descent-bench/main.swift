import Descent
print("descent-bench")
