"""A synthetic lecture (about two and a half minutes when spoken), used by the lecture benchmarks."""

LECTURE = """
Good afternoon, everyone. Please take your seats, we have a lot to cover today.
Last week we finished our discussion of the cell membrane, and today we move on to cellular respiration,
which is how cells turn the food we eat into energy they can use.
The main fuel is glucose, a simple sugar with six carbon atoms.
Respiration happens in three stages. The first stage is glycolysis, and it takes place in the cytoplasm.
During glycolysis, one molecule of glucose is split into two molecules of pyruvate.
This step does not need oxygen, and it produces a small amount of energy in the form of two molecules of ATP.
The second stage is the citric acid cycle, also called the Krebs cycle.
It takes place inside the mitochondria, in the space we call the matrix.
Here the pyruvate is broken down further, and carbon dioxide is released as a waste product.
That is the carbon dioxide you breathe out every few seconds.
The third stage is the electron transport chain, which sits in the inner membrane of the mitochondria.
This is where most of the energy is made. Electrons are passed from one protein to the next,
and the energy they release is used to pump hydrogen ions across the membrane.
When the ions flow back through an enzyme called ATP synthase, the enzyme makes ATP,
a little like water turning a wheel in a mill.
At the very end of the chain, the electrons are handed to oxygen, and together with hydrogen they form water.
This is why we need to breathe oxygen. Without it, the chain stops, and the cell falls back on fermentation,
which produces far less energy. Your muscles do exactly this during a sprint, and the result is lactic acid.
In total, one molecule of glucose can yield around thirty to thirty two molecules of ATP.
For the exam, make sure you can name the three stages, say where each one happens,
and explain why oxygen matters. Next week we will compare respiration with photosynthesis,
which is in many ways the same process running in reverse.
Please read chapter nine before Monday, and bring your questions to the tutorial on Wednesday.
Thank you, and see you next time.
"""


def words() -> list[str]:
    return LECTURE.split()
